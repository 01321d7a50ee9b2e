r"""ptwt 1.0.1 (PyTorch Wavelet Toolbox) against specref.transforms: wavedec/waverec, wavedec2/waverec2 (and
the separable fswavedec2/fswaverec2) and the stationary swt/iswt, output and autograd gradients.

ptwt computes pywt's transforms with ``conv1d``/``conv2d`` on padded input and their transposes, in five
boundary modes, ``zero``, ``reflect``, ``periodic``, ``symmetric`` and ``constant`` (ptwt translates them to
torch's ``constant``, ``reflect``, ``circular``, its own symmetric padding and ``replicate``: pywt's
definitions, e.g. ``constant`` repeats the edge sample). Its inverses take no mode: like pywt's, they are the
transposed convolution cropped by :math:`\lfloor (2F - 3)/2 \rfloor` samples per side, the same map for every
mode but ``periodization`` (which ptwt does not offer). So:

- ``wavedec(x, w, mode=, level=, axis=)``: specref ``wavedec`` with the same keywords;
- ``waverec(coeffs, w, axis=)``: specref ``waverec`` (any non-periodization mode); the coefficients enter
  both as one flat vector (:func:`waverec_packed`, the leaves raveled and concatenated, so torch autograd
  gives one gradient against the adjoint :func:`waverec_packed_adjoint`);
- ``wavedec2``/``waverec2`` (``axes=``): specref ``wavedec2``/``waverec2``; ptwt's detail tuples
  ``(horizontal, vertical, diagonal)`` are pywt's ``(cH, cV, cD)``;
- ``fswavedec2``/``fswaverec2``: the separable form of the same 2-D transform, its details in dicts keyed
  by the filters along the two axes: ``{"da", "ad", "dd"}`` are pywt's ``(cH, cV, cD)``;
- ``swt(x, w, level=, axis=)``/``iswt``: pywt's stationary transform with ``trim_approx=True`` and
  ``norm=False`` (periodic extension), against specref ``swt(..., trim_approx=True)``/``iswt``, added when
  specref has them (:func:`swt_available`); on every length, also those pywt refuses.

Two known differences: ``ptwt_short_signal_padding`` (modes reflect and periodic raise torch's padding error
on signals shorter than the pad, where pywt computes) and ``ptwt_swt_circular_wrap`` (swt/iswt misalign the
periodic extension when one pad lies below the length and the other above). ``level=None`` takes pywt's
maximum level on both sides.

Outputs (lists, tuples of tensors) are packed as :func:`specref.compare.functions.pack` packs specref's, in
torch (:func:`torch_pack`) so that autograd runs through the packing. Not compared: ``wavedec3``/``waverec3``
(specref has no 3-D or n-D multilevel DWT), the boundary-filtered matrix transforms (``MatrixWavedec``...,
with no specref counterpart), the packets and the continuous transform.
"""

from __future__ import annotations

import numpy as np

from specref.compare.suites import SuiteCase, one_torch_thread
from specref.testing.tolerances import Bound

__all__ = ["cases", "MODES", "POINTS_1D", "POINTS_2D", "POINTS_SEPARABLE", "POINTS_SHORT", "POINTS_SWT",
           "SHORT_KNOWN", "SWT_KNOWN", "torch_pack", "waverec_packed", "waverec_packed_adjoint", "waverec2_packed",
           "waverec2_packed_adjoint", "iswt_packed", "iswt_packed_adjoint", "swt_available"]

MODES = ("zero", "reflect", "periodic", "symmetric", "constant")

# (wavelet, input shape, level, axis): every mode of MODES, for wavedec and for waverec
POINTS_1D = (
    ("haar", (2, 16), 2, -1),
    ("db2", (2, 13), 2, -1),  # odd length: ptwt pads one more sample on the right
    ("db4", (2, 37), None, -1),  # level None: pywt's maximum level
    ("sym3", (3, 20), 3, -1),
    ("coif1", (2, 11), 1, -1),
    ("bior2.2", (2, 18), 2, -1),
    ("rbio1.3", (2, 15), 2, -1),
    ("db3", (21, 2), 2, 0),  # a non-last axis
    ("db2", (16,), 2, -1),  # no batch axis
    ("sym3", (2, 3, 19), 2, -1),  # two batch axes (ptwt folds them)
)

# (wavelet, input shape, level, axes): every mode of MODES, for wavedec2 and for waverec2
POINTS_2D = (
    ("haar", (2, 8, 8), 2, (-2, -1)),
    ("db2", (9, 12), 2, (-2, -1)),  # odd rows, even columns
    ("sym3", (2, 13, 11), 1, (-2, -1)),
    ("bior2.2", (14, 9), None, (-2, -1)),
    ("db3", (11, 3, 10), 1, (0, 2)),  # axes that are not the last two
    ("db2", (2, 2, 9, 8), 1, (-2, -1)),  # two batch axes
)

# (wavelet, input shape, level, axes): fswavedec2 in every mode of MODES, and fswaverec2
POINTS_SEPARABLE = (
    ("db2", (2, 12, 10), 2, (-2, -1)),
    ("sym3", (11, 14), 1, (-2, -1)),
)

# Signals shorter than the filter (levels above pywt's maximum: pywt warns, and computes). ptwt pads with
# torch's reflect and circular padding, which need pad < n and pad <= n (pad = F - 2 on the left, one more on
# the right for odd n), and raises otherwise: finding ptwt_short_signal_padding. Its own symmetric padding,
# and zero and replicate padding, extend any length.
# (ptwt function, wavelet, input shape, mode, level, axes)
POINTS_SHORT = (
    ("wavedec", "db4", (2, 5), "reflect", 1, -1),
    ("wavedec", "db4", (2, 6), "reflect", 1, -1),
    ("wavedec", "db2", (2, 3), "reflect", 1, -1),
    ("wavedec", "db4", (2, 5), "periodic", 1, -1),
    ("wavedec", "db2", (2, 1), "periodic", 1, -1),
    ("wavedec", "db4", (2, 5), "symmetric", 1, -1),
    ("wavedec", "db4", (2, 3), "constant", 2, -1),
    ("wavedec", "db4", (2, 2), "zero", 1, -1),
    ("wavedec", "db2", (2, 4), "reflect", 1, -1),  # pad 2 < 4: computed
    ("wavedec", "db4", (2, 6), "periodic", 1, -1),  # pad 6 <= 6: computed
    ("wavedec2", "db3", (5, 12), "reflect", 1, (-2, -1)),
    ("wavedec2", "db3", (3, 9), "periodic", 1, (-2, -1)),
    ("wavedec2", "db3", (3, 9), "symmetric", 1, (-2, -1)),
)
SWT_KNOWN = "ptwt_swt_circular_wrap"
SHORT_RAISES = ("reflect", "periodic")
SHORT_KNOWN = "ptwt_short_signal_padding"


def _swt_wraps_wrong(wavelet, shape, level, axis) -> bool:
    """Whether ptwt's ``_circular_pad`` misaligns a level: at dilation D it pads D (F/2 - 1) and D F/2
    samples (swt: left, right; iswt: right, left), and when one of them lies strictly between 0 and n and
    the other exceeds n, its second round wraps the padded array, not the signal."""
    import pywt

    f, n = pywt.Wavelet(wavelet).dec_len, shape[axis]
    levels = level if level is not None else pywt.swt_max_level(n)
    return any(0 < d * (f // 2 - 1) < n < d * (f // 2) for d in (2 ** j for j in range(levels)))


def _short_raises(wavelet, shape, mode, axes) -> bool:
    """Whether torch's padding refuses ptwt's pad on one transformed axis: reflect needs pad < n, circular
    pad <= n, with pad = F - 2 (+ 1 on the right for odd n)."""
    import pywt

    f = pywt.Wavelet(wavelet).dec_len
    for a in (axes if isinstance(axes, tuple) else (axes,)):
        n = shape[a]
        pad = f - 2 + n % 2
        if (mode == "reflect" and pad >= n) or (mode == "periodic" and pad > n):
            return True
    return False


# (wavelet, input shape, level, axis): swt and iswt (periodic extension)
POINTS_SWT = (
    ("haar", (2, 16), 2, -1),
    ("db2", (2, 12), 2, -1),
    ("db2", (2, 13), 2, -1),  # not divisible by 2^level: pywt refuses, ptwt and specref compute the formula
    ("db4", (2, 10), 3, -1),  # level 3 pads 12 and 16 > 10 per side: ptwt wraps twice, correctly
    ("sym3", (2, 10), 3, -1),  # level 3 pads 8 < 10 < 12: finding ptwt_swt_circular_wrap
    ("db2", (2, 6), 3, -1),  # level 3 pads 4 < 6 < 8: the same
    ("sym4", (2, 24), 3, -1),
    ("coif1", (2, 8), 1, -1),
    ("bior2.2", (2, 16), None, -1),
    ("db3", (16, 2), 2, 0),
)


def torch_pack(tree):
    """:func:`specref.compare.functions.pack` in torch: the tensor leaves (depth first) stacked along a new
    first axis when they share a shape, else flattened and concatenated."""
    import torch  # peer-only

    if isinstance(tree, torch.Tensor):
        return tree
    parts = []

    def walk(node):
        if isinstance(node, torch.Tensor):
            parts.append(node)
        elif isinstance(node, dict):
            raise TypeError(f"torch_pack: expected tensors, lists or tuples, got a dict with keys {list(node)}")
        elif node is not None:
            for item in node:
                walk(item)

    walk(tree)
    if all(p.shape == parts[0].shape for p in parts):
        return torch.stack(parts)
    return torch.cat([p.reshape(-1) for p in parts])


# ----------------------------------------------------------------------------------------------------------
# specref's inverses on one flat coefficient vector (the leaves of `shapes` raveled and concatenated)


def _split(flat, shapes):
    """``flat`` cut into arrays of ``shapes`` (a list whose items are shapes or tuples of shapes)."""
    out, start = [], 0
    for item in shapes:
        is_group = isinstance(item[0], (tuple, list))
        pieces = []
        for shape in item if is_group else (item,):
            size = int(np.prod(shape))
            pieces.append(flat[start:start + size].reshape(tuple(shape)))
            start += size
        out.append(tuple(pieces) if is_group else pieces[0])
    if start != flat.shape[0]:
        raise ValueError(f"flat: expected {start} coefficients for shapes {shapes}, got {flat.shape[0]}")
    return out


def _flat(coeffs) -> np.ndarray:
    from specref.testing.trees import leaves

    return np.concatenate([np.asarray(a).ravel() for a in leaves(coeffs)])


def waverec_packed(flat, *, shapes, wavelet, mode, axis=-1):
    r"""specref ``waverec`` of the coefficients ``[cA_n, cD_n, ..., cD_1]`` given as one vector: ``flat`` is
    their concatenation, :math:`(\operatorname{vec} cA_n, \operatorname{vec} cD_n, \dots)`, cut by ``shapes``."""
    from specref.transforms import waverec

    return waverec(_split(np.asarray(flat), shapes), wavelet, mode=mode, axis=axis)


def waverec_packed_adjoint(y, *, input_shape, shapes, wavelet, mode, axis=-1):
    r"""The adjoint of :func:`waverec_packed`: ``waverec_adjoint`` (one cotangent per coefficient array),
    concatenated in the same order."""
    from specref.transforms import waverec_adjoint

    return _flat(waverec_adjoint(y, input_shape=[tuple(s) for s in shapes], wavelet=wavelet, mode=mode, axis=axis))


def waverec2_packed(flat, *, shapes, wavelet, mode, axes=(-2, -1)):
    r"""specref ``waverec2`` of ``[cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]`` given as one vector
    (the arrays raveled and concatenated in that order)."""
    from specref.transforms import waverec2

    return waverec2(_split(np.asarray(flat), shapes), wavelet, mode=mode, axes=axes)


def waverec2_packed_adjoint(y, *, input_shape, shapes, wavelet, mode, axes=(-2, -1)):
    """The adjoint of :func:`waverec2_packed`: ``waverec2_adjoint``, concatenated in the same order."""
    from specref.transforms import waverec2_adjoint

    shapes_tree = [tuple(s) if not isinstance(s[0], (tuple, list)) else tuple(tuple(t) for t in s) for s in shapes]
    return _flat(waverec2_adjoint(y, input_shape=shapes_tree, wavelet=wavelet, mode=mode, axes=axes))


def iswt_packed(flat, *, shapes, wavelet, axis=-1):
    r"""specref ``iswt`` of ``[cA_n, cD_n, ..., cD_1]`` (pywt's ``trim_approx=True`` layout) given as one vector."""
    from specref.transforms import iswt

    return iswt(_split(np.asarray(flat), shapes), wavelet, axis=axis)


def iswt_packed_adjoint(y, *, input_shape, shapes, wavelet, axis=-1):
    """The adjoint of :func:`iswt_packed`: ``iswt_adjoint``, concatenated in the same order."""
    from specref.transforms import iswt_adjoint

    return _flat(iswt_adjoint(y, input_shape=[tuple(s) for s in shapes], wavelet=wavelet, axis=axis))


# ----------------------------------------------------------------------------------------------------------
# the cases


def _bounds(case_name: str, point: dict) -> tuple[Bound, Bound]:
    """``2 c eps`` with ``c`` of specref's verify case ``case_name`` at ``point`` (its forward's signal shape)."""
    from specref.compare.bounds import eps_of
    from specref.compare.functions import find_case
    from specref.transforms import wavelet as wavelet_module

    case = find_case(getattr(wavelet_module, case_name, None) or _swt_function(case_name))
    c = case.scale_for(point)
    eps = eps_of("float64")
    reason = (f"2 c eps, c = {c:.3g} from specref's verify case {case_name!r} ({case.error_reason}); "
              f"eps = {eps:.3g}")
    return (Bound(2.0 * c * eps, reason),
            Bound(2.0 * c * eps, reason + "; the adjoint runs the stages reversed, with their constants"))


def _swt_function(name: str):
    import specref.transforms as transforms

    return getattr(transforms, name)


def _label(kind: str, wavelet, shape, mode, level, axes) -> str:
    """``x(2,13) db2 zero level=2 axis=0``: the input shape, wavelet, mode, level, non-default axes."""
    words = [f"x{shape}".replace(" ", ""), wavelet] + ([mode] if mode else []) + [f"level={level}"]
    if axes not in (-1, (-2, -1)):
        words.append(f"{'axis' if kind == '1d' else 'axes'}={axes}".replace(" ", ""))
    return " ".join(words)


def _tag(fn, module: str, name: str):
    fn.__module__, fn.__qualname__ = module, name
    return fn


# ptwt function -> (specref function, its axes keyword); the separable fswavedec2/fswaverec2 hold the details
# of a level in a dict keyed by the filters along the two axes: pywt's (cH, cV, cD) are ("da", "ad", "dd")
SPECREF_NAME = {"wavedec": "wavedec", "wavedec2": "wavedec2", "fswavedec2": "wavedec2", "swt": "swt",
                "waverec": "waverec", "waverec2": "waverec2", "fswaverec2": "waverec2", "iswt": "iswt"}
SEPARABLE_KEYS = ("da", "ad", "dd")


def _axes_keyword(specref_name: str, axes) -> dict:
    return {"axes": tuple(axes)} if specref_name.endswith("2") else {"axis": axes}


def _from_separable(coeffs):
    """fswavedec2's ``[cA, {"da", "ad", "dd"}, ...]`` as wavedec2's ``[cA, (cH, cV, cD), ...]``."""
    return [coeffs[0], *(tuple(level[k] for k in SEPARABLE_KEYS) for level in coeffs[1:])]


def _to_separable(coeffs):
    """wavedec2's ``[cA, (cH, cV, cD), ...]`` as fswaverec2's ``[cA, {"da", "ad", "dd"}, ...]``."""
    return [coeffs[0], *(dict(zip(SEPARABLE_KEYS, level, strict=True)) for level in coeffs[1:])]


def _run_dec(name, wavelet, shape, mode, level, axes, label, seed, known=""):
    import dataclasses

    import ptwt  # peer-only

    import specref.transforms as transforms
    from specref.compare import compare

    peer_fn, specref_name = getattr(ptwt, name), SPECREF_NAME[name]
    keywords = {"wavelet": wavelet, "level": level, **({"mode": mode} if mode else {}),
                **_axes_keyword(specref_name, axes)}
    peer_kw = {k: v for k, v in keywords.items() if k != "wavelet"}
    if name == "swt":  # ptwt's layout: pywt's [cA_n, cD_n, ..., cD_1]
        keywords["trim_approx"] = True
    convert = _from_separable if name.startswith("fs") else (lambda c: c)
    peer = _tag(lambda x: torch_pack(convert(peer_fn(x, wavelet, **peer_kw))), "ptwt", name)
    x = np.random.default_rng(seed).standard_normal(shape)
    out = compare(peer, getattr(transforms, specref_name), x=x, config=keywords, framework="torch", label=label,
                  seed=seed)
    return out if out.passed or not known else dataclasses.replace(out, known=known)


def _run_rec(name, wavelet, shape, mode, level, axes, label, seed, known=""):
    import dataclasses

    import ptwt  # peer-only

    import specref.transforms as transforms
    from specref.compare import compare
    from specref.testing.trees import tree_shape

    specref_name = SPECREF_NAME[name]
    axis_kw = _axes_keyword(specref_name, axes)
    x = np.random.default_rng(seed).standard_normal(shape)
    forward = {"waverec": "wavedec", "waverec2": "wavedec2", "iswt": "swt"}[specref_name]
    extra = {"mode": mode} if mode else {"trim_approx": True} if forward == "swt" else {}
    coeffs = getattr(transforms, forward)(x, wavelet, level=level, **extra, **axis_kw)
    target = {"waverec": waverec_packed, "waverec2": waverec2_packed, "iswt": iswt_packed}[specref_name]
    shapes = tree_shape(coeffs)
    peer_fn = getattr(ptwt, name)
    convert = _to_separable if name.startswith("fs") else (lambda c: c)

    def peer(flat):
        return peer_fn(convert(_split(flat, shapes)), wavelet, **axis_kw)

    _tag(peer, "ptwt", name)
    config = {"shapes": shapes, "wavelet": wavelet, **({"mode": mode} if mode else {}), **axis_kw}
    point = {"shape": shape, "wavelet": wavelet, **({"mode": mode} if mode else {}), "level": level, **axis_kw}
    out = compare(peer, target, x=_flat(coeffs), config=config, framework="torch", label=label, seed=seed,
                  bound=_bounds(specref_name, point))
    note = (f"the coefficients of specref.transforms.{specref_name} enter as one flat vector (the arrays raveled "
            f"and concatenated: {target.__name__}), its gradient is {target.__name__}_adjoint's")
    out = dataclasses.replace(out, component=specref_name, notes=(*out.notes, note))
    return out if out.passed or not known else dataclasses.replace(out, known=known)



def swt_available() -> bool:
    """Whether specref.transforms has the stationary transform (``swt``, ``iswt`` and their adjoints)."""
    import specref.transforms as transforms

    return all(hasattr(transforms, n) for n in ("swt", "iswt", "swt_adjoint", "iswt_adjoint"))


def cases() -> list[SuiteCase]:
    out = []
    seed = 0

    def add(runner, name, wavelet, shape, mode, level, axes, known=""):
        nonlocal seed
        label = _label("2d" if SPECREF_NAME[name].endswith("2") else "1d", wavelet, shape, mode, level, axes)
        label = f"{name} {label}" if name.startswith("fs") else label

        def run(r=runner, n=name, w=wavelet, s=shape, m=mode, lv=level, a=axes, lb=label, sd=seed, k=known):
            return one_torch_thread(r, n, w, s, m, lv, a, lb, sd, k)

        out.append(SuiteCase("ptwt", SPECREF_NAME[name], label, run))
        seed += 1

    for wavelet, shape, level, axis in POINTS_1D:
        for mode in MODES:
            add(_run_dec, "wavedec", wavelet, shape, mode, level, axis)
    for wavelet, shape, level, axis in POINTS_1D:
        # ptwt's waverec takes no mode: pywt's inverse, the same for every mode but periodization
        add(_run_rec, "waverec", wavelet, shape, "symmetric", level, axis)
        add(_run_rec, "waverec", wavelet, shape, "zero", level, axis)
    for wavelet, shape, level, axes in POINTS_2D:
        for mode in MODES:
            add(_run_dec, "wavedec2", wavelet, shape, mode, level, axes)
    for wavelet, shape, level, axes in POINTS_2D:
        add(_run_rec, "waverec2", wavelet, shape, "reflect", level, axes)
    for wavelet, shape, level, axes in POINTS_SEPARABLE:
        for mode in MODES:
            add(_run_dec, "fswavedec2", wavelet, shape, mode, level, axes)
        add(_run_rec, "fswaverec2", wavelet, shape, "symmetric", level, axes)
    for name, wavelet, shape, mode, level, axes in POINTS_SHORT:
        raises = mode in SHORT_RAISES and _short_raises(wavelet, shape, mode, axes)
        add(_run_dec, name, wavelet, shape, mode, level, axes, SHORT_KNOWN if raises else "")
    if swt_available():
        for wavelet, shape, level, axis in POINTS_SWT:
            known = SWT_KNOWN if _swt_wraps_wrong(wavelet, shape, level, axis) else ""
            add(_run_dec, "swt", wavelet, shape, None, level, axis, known)
            add(_run_rec, "iswt", wavelet, shape, None, level, axis, known)
    return out
