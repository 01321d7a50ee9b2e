r"""spectrans's transforms (``spectrans.transforms``) onto specref's transform functions, config read off the module.

spectrans's transform classes hold no parameters (DWT1D/DWT2D hold their filters as buffers) and have no
``forward``: the forward transform is a method, ``transform(x)`` (``decompose(x)`` for the wavelets), called
with its default axes. Each class maps onto one function of :mod:`specref.transforms` with the keywords read
off the module, and :func:`specref.compare.functions.function_pairing` supplies specref's side (the
function, its registered adjoint, the bound :math:`2c\epsilon` from its verify case):

==========================================  =============================================================
spectrans class                             specref function and keywords
==========================================  =============================================================
``FFT1D(norm)``, ``RFFT(norm)``             ``fft``, ``rfft`` (``axis=-1, norm``)
``FFT2D(norm)``, ``RFFT2D(norm)``           ``fft2``, ``rfft2`` (``axes=(-2, -1), norm``)
``SpectralPooling(output_size, norm)``      ``spectral_pool(size=output_size[0], axis=-1, norm)``
``DCT(normalized)``, ``DST(normalized)``    ``dct``, ``dst`` (``type=2``, ``norm="ortho"`` or ``"backward"``)
``DCT2D(normalized)``                       ``dctn(type=2, axes=(-2, -1), norm)``
``MDCT(block_size, window)``                ``mdct(frame_length=block_size, window)``, interior frames
``HadamardTransform(normalized)``           ``hadamard(normalized, order="natural")``
``HadamardTransform2D(normalized)``         ``hadamard2(axes=(-2, -1), normalized)``
``SequencyHadamardTransform(normalized)``   ``hadamard(normalized, order="sequency")``
``SlantTransform(normalized)``              ``slant`` (orthonormal, ``order="natural"``)
``DWT1D(wavelet, levels, mode)``            ``wavedec(wavelet, mode, level=levels, axis=-1)``
``DWT2D(wavelet, levels, mode)``            ``wavedec2(wavelet, mode, level=levels, axes=(-2, -1))``
==========================================  =============================================================

``SpectralPooling.transform`` also takes ``dim``: the pairing calls it with the axes of ``config`` (specref's
names), ``axis=k`` as ``dim=k`` (``spectral_pool``, ``size=output_size[0]``), ``axes=(a, b)`` as
``dim=(a, b)`` (``spectral_pool2d``, ``size=output_size``; a 1-tuple ``axes=(k,)`` is ``spectral_pool``
along k called with ``dim=(k,)``). The other classes are called with their default axes.

Layouts. ``DWT1D.decompose`` returns ``(cA_J, [cD_1, ..., cD_J])`` (finest first) and ``DWT2D.decompose``
``(LL_J, [(cH_1, cV_1, cD_1), ...])``; the peer side reorders them into pywt's (and specref's) list
``[cA_J, cD_J, ..., cD_1]`` (``[cA_J, (cH_J, cV_J, cD_J), ...]``) and packs it as
:func:`~specref.compare.functions.pack` packs specref's. spectrans's MDCT blocks :math:`x[iN : iN + 2N]`,
:math:`i = 0 .. m - 2` (:math:`L = mN`), are specref's frames :math:`1 .. m - 1` (specref zero-pads
:math:`N` samples at both ends, so its :math:`m + 1` frames cover every sample twice): the pairing compares
those interior frames, i.e. the map :math:`C\,\mathrm{mdct}` with :math:`C` the crop, whose adjoint is
:math:`\mathrm{mdct}^* C^{\mathsf T}` (the cotangent zero-padded by a frame at each end).

Gradients. For a real input :math:`x` of a complex-valued map :math:`A` (``FFT1D``, ``FFT2D`` on real data),
the gradient of :math:`L = \operatorname{Re}\langle \bar y, Ax\rangle` is
:math:`\operatorname{Re}(A^* \bar y)`: the pairing takes the real part of the adjoint for real inputs.

Known differences (``known``), where spectrans computes something other than the math:

- ``spectrans_mdct``: ``MDCT`` always (a truncated size-2N DCT-IV, not an MDCT);
- ``spectrans_sequency_hadamard``: ``SequencyHadamardTransform`` where its Gray-code permutation is not the
  sequency permutation (every :math:`n \ge 4`);
- ``spectrans_slant``: ``SlantTransform`` for :math:`n \ge 2` (a ramp over Hadamard rows; :math:`n = 1`
  is :math:`[1]` in both);
- ``spectrans_dct_float32_angles``: ``DCT``/``DST``/``DCT2D`` where the transformed lengths add up to the
  constant :math:`c` of the bound :math:`2c\epsilon` or more (dense matrices with angles in the input
  dtype: an error of about :math:`n\epsilon` per axis in float32 and float64 alike, measured 0.6 .. 1.1
  :math:`n\epsilon`; from :math:`n \approx 64` in one dimension, :math:`c \approx 42` there);
- ``spectrans_dwt_float32_filters``: ``DWT1D``/``DWT2D`` on float64 input (pywt's taps rounded to float32),
  and in any precision when a level transforms a signal with :math:`2 \le n < F - 2` samples along an axis
  (:math:`F` the filter length), where spectrans's symmetric extension turns without repeating the far
  edge sample (measured: db4, F = 8, differs exactly for n = 2 .. 5);
- ``spectrans_dwt_batch_input``: ``DWT1D`` on input of 3 or more dimensions (``decompose`` raises inside
  ``conv1d``); it takes precedence over the float32 filters;
- ``spectrans_spectral_pool_dims``: ``SpectralPooling`` with an int ``dim`` other than the last axis when the
  last axis is longer than :math:`m/2 + 1` (spectrans crops it to that), and with tuple dims whose size
  differs from the input's length on an axis other than the last listed one (bins :math:`0 .. m - 1` kept
  there: the negative frequencies dropped);
- ``spectrans_spectral_pool_nyquist``: otherwise, ``SpectralPooling`` where the pooled axis (the last listed
  one for tuple dims) has an even kept band :math:`p = \min(n, m)` and :math:`n \ne m`: spectrans keeps
  the Nyquist bin :math:`p/2` once (truncating: :math:`\operatorname{Re} X_{m/2}` where the math has
  :math:`X_{m/2} + X_{-m/2}`; zero-padding: :math:`X_{n/2}` at both :math:`\pm n/2` where the math splits
  it in halves).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from specref.compare.bounds import eps_of
from specref.compare.mapping import Pairing

__all__ = ["CLASSES", "pairing", "is_transform", "read_config"]

# spectrans class name (spectrans.transforms) -> the name of the specref function it maps onto
# (specref.transforms).
CLASSES: dict[str, str] = {
    "FFT1D": "fft",
    "FFT2D": "fft2",
    "RFFT": "rfft",
    "RFFT2D": "rfft2",
    "SpectralPooling": "spectral_pool",
    "DCT": "dct",
    "DST": "dst",
    "DCT2D": "dctn",
    "MDCT": "mdct",
    "HadamardTransform": "hadamard",
    "HadamardTransform2D": "hadamard2",
    "SequencyHadamardTransform": "hadamard",
    "SlantTransform": "slant",
    "DWT1D": "wavedec",
    "DWT2D": "wavedec2",
}

_ONE_AXIS = ("FFT1D", "RFFT", "SpectralPooling", "DCT", "DST", "MDCT", "HadamardTransform",
             "SequencyHadamardTransform", "SlantTransform", "DWT1D")
_DCT_FAMILY = ("DCT", "DST", "DCT2D")


def is_transform(peer) -> bool:
    """A module of ``spectrans.transforms`` with a specref mapping (or a bound method of one)."""
    module = getattr(peer, "__self__", peer)
    return type(module).__name__ in CLASSES and type(module).__module__.startswith("spectrans.transforms")


def _norm(normalized: bool) -> str:
    return "ortho" if normalized else "backward"  # spectrans's unnormalized DCT/DST is scipy's norm=None


def read_config(module) -> dict:
    """The keywords of the specref function that spectrans's transform ``module`` computes (its defaults)."""
    name = type(module).__name__
    if name in ("FFT1D", "RFFT"):
        return {"axis": -1, "norm": module.norm}
    if name in ("FFT2D", "RFFT2D"):
        return {"axes": (-2, -1), "norm": module.norm}
    if name == "SpectralPooling":  # transform's default dim=-1 is the int path: output_size[0] only
        return {"size": int(module.output_size[0]), "axis": -1, "norm": module.norm}
    if name in ("DCT", "DST"):
        return {"type": 2, "axis": -1, "norm": _norm(module.normalized)}
    if name == "DCT2D":
        return {"type": 2, "axes": (-2, -1), "norm": _norm(module.normalized)}
    if name == "MDCT":
        return {"frame_length": int(module.block_size), "window": module.window_type, "axis": -1}
    if name in ("HadamardTransform", "SequencyHadamardTransform"):
        order = "sequency" if name == "SequencyHadamardTransform" else "natural"
        return {"axis": -1, "normalized": bool(module.normalized), "order": order}
    if name == "HadamardTransform2D":
        return {"axes": (-2, -1), "normalized": bool(module.normalized), "order": "natural"}
    if name == "SlantTransform":
        return {"axis": -1, "order": "natural"}
    if name == "DWT1D":
        return {"wavelet": module.wavelet, "mode": module.mode, "level": int(module.levels), "axis": -1}
    if name == "DWT2D":
        return {"wavelet": module.wavelet, "mode": module.mode, "level": int(module.levels), "axes": (-2, -1)}
    raise ValueError(f"no specref mapping for spectrans.{name}; mapped: {sorted(CLASSES)}")


def _default_shape(name: str, module) -> tuple:
    """The input drawn when none is given: a batch of 2 (1-D transforms) or 2 x 2 grids, even lengths (powers
    of two for the Hadamard and Slant transforms, a multiple of N for the MDCT)."""
    if name == "MDCT":
        return (2, 4 * module.half_block)
    if name == "DWT1D":
        return (2, 32)
    if name in _ONE_AXIS:
        return (2, 16)
    return (2, 8, 8)


# ----------------------------------------------------------------------------------------------------------
# the peer side: the method that computes the forward transform, its output in specref's layout


def _torch_pack(torch, parts):
    """:func:`specref.compare.functions.pack` in torch: stacked when the leaves share a shape, else raveled
    and concatenated (depth first)."""
    if all(tuple(p.shape) == tuple(parts[0].shape) for p in parts):
        return torch.stack(parts)
    return torch.cat([p.reshape(-1) for p in parts])


def _peer_call(module, name: str, dim=None):
    """A plain function of the input running spectrans's forward transform, named after the method (called
    with ``dim`` when given: SpectralPooling's axes)."""
    if name == "DWT1D":
        method = "decompose"

        def call(x):
            import torch  # peer-only

            approx, details = module.decompose(x)
            return _torch_pack(torch, [approx, *reversed(details)])  # pywt's [cA_J, cD_J, ..., cD_1]
    elif name == "DWT2D":
        method = "decompose"

        def call(x):
            import torch  # peer-only

            approx, bands = module.decompose(x)
            return _torch_pack(torch, [approx, *(b for level in reversed(bands) for b in level)])
    elif name == "MDCT":
        method = "transform"

        def call(x):
            y = module.transform(x)
            return y.reshape(*y.shape[:-1], -1, module.half_block)  # (..., blocks, N): specref's frame layout
    elif dim is not None:
        method = "transform"

        def call(x):
            return module.transform(x, dim=dim)
    else:
        method = "transform"

        def call(x):
            return module.transform(x)

    call.__module__ = type(module).__module__
    call.__qualname__ = call.__name__ = f"{name}.{method}"
    return call


# ----------------------------------------------------------------------------------------------------------
# known differences


def _dwt_short(shape: tuple, axes: tuple, filter_length: int, levels: int) -> bool:
    """A level transforms 2 <= n < F - 2 samples along an axis (spectrans's extension differs from pywt's)."""
    for axis in axes:
        n = shape[axis]
        for _ in range(levels):
            if 2 <= n < filter_length - 2:
                return True
            n = (n + filter_length - 1) // 2
    return False


def _pool_nyquist(n: int, m: int) -> str:
    """An even kept band p = min(n, m) with n != m: spectrans counts the Nyquist bin p/2 once."""
    return "spectrans_spectral_pool_nyquist" if min(n, m) % 2 == 0 and n != m else ""


def _pool_known(shape: tuple, size, dim) -> str:
    """The finding that explains SpectralPooling's result along ``dim`` (int or tuple) for an input of ``shape``.

    Int ``dim``: the frequency slice is on the last axis, a no-op unless that axis is longer than
    ``size // 2 + 1`` (then it is cropped: the output shape differs). Tuple ``dim``: bins ``0 .. size - 1``
    on every axis but the last listed, which equals the math only where ``size`` is that axis's length.
    Otherwise the Nyquist rule along the pooled axis (the last listed one).
    """
    ndim = len(shape)
    if isinstance(dim, int):
        axis = dim % ndim
        if axis != ndim - 1 and shape[-1] > size // 2 + 1:
            return "spectrans_spectral_pool_dims"
        return _pool_nyquist(shape[axis], size)
    sizes = (size,) if isinstance(size, int) else tuple(size)
    if any(shape[a] != m for a, m in zip(dim[:-1], sizes[:-1], strict=True)):
        return "spectrans_spectral_pool_dims"
    return _pool_nyquist(shape[dim[-1]], sizes[-1])


def _pool_config(module, cfg: dict) -> tuple[str, dict, int | tuple]:
    """SpectralPooling: the specref function, its keywords and spectrans's ``dim`` from the merged config
    (``axes`` given: tuple dims; else ``axis``: an int dim)."""
    axes = cfg.get("axes")
    if axes is None:
        return "spectral_pool", cfg, int(cfg.get("axis", -1))
    if not isinstance(axes, (tuple, list)) or not all(isinstance(a, int) for a in axes):
        raise TypeError(f"SpectralPooling: config axes must be a tuple of ints, got {axes!r}")
    if len(axes) not in (1, 2):
        raise ValueError(f"SpectralPooling: config axes must be a tuple of one or two ints, got {axes!r}")
    axes = tuple(int(a) for a in axes)
    size = tuple(int(m) for m in module.output_size)
    if len(size) != len(axes):
        raise ValueError(f"SpectralPooling over axes {axes} needs one output length per axis (spectrans's "
                         f"irfftn takes s=output_size), got output_size={size!r}")
    rest = {k: v for k, v in cfg.items() if k not in ("axis", "axes", "size")}
    if len(axes) == 1:
        return "spectral_pool", {"size": size[0], "axis": axes[0], **rest}, axes
    return "spectral_pool2d", {"size": size, "axes": axes, **rest}, axes


def _axes(name: str) -> tuple:
    return (-2, -1) if name in ("FFT2D", "RFFT2D", "DCT2D", "HadamardTransform2D", "DWT2D") else (-1,)


def _known(name: str, module, cfg: dict, shape: tuple, precision: str, dct_scale: float) -> str:
    r"""The finding that explains a difference for this configuration, or "".

    ``dct_scale`` is the constant c of the DCT/DST bound :math:`2c\epsilon`: spectrans's dense matrices
    with angles in the input dtype err by about :math:`n\epsilon` per transformed axis (measured
    0.6 .. 1.1 n eps normwise for n = 16 .. 2048, float32 and float64 alike, growing linearly), so from
    :math:`\sum n \ge c` on that error reaches half the bound and the difference is the known one.
    """
    if name == "MDCT":
        return "spectrans_mdct"
    if name == "SlantTransform" and shape[-1] >= 2:
        return "spectrans_slant"
    if name == "SequencyHadamardTransform":
        from specref.transforms import sequency_permutation

        n = shape[-1]
        index = np.arange(n)
        gray_sorted = np.argsort(index ^ (index >> 1), kind="stable")  # spectrans's _get_sequency_indices
        if not np.array_equal(gray_sorted, sequency_permutation(n)):
            return "spectrans_sequency_hadamard"
    if name in _DCT_FAMILY and sum(shape[a] for a in _axes(name)) >= dct_scale:
        return "spectrans_dct_float32_angles"
    if name == "DWT1D" and len(shape) >= 3:
        return "spectrans_dwt_batch_input"
    if name in ("DWT1D", "DWT2D"):
        axes = _axes(name)
        filter_length = int(module.dwt1d.filter_length if name == "DWT2D" else module.filter_length)
        if precision == "float64" or _dwt_short(shape, axes, filter_length, int(cfg.get("level") or 1)):
            return "spectrans_dwt_float32_filters"
    return ""


# ----------------------------------------------------------------------------------------------------------
# the pairing


def _function(name: str):
    import specref.transforms as transforms

    return getattr(transforms, name)


def _check_component(component, target: str, name: str) -> None:
    given = component if isinstance(component, str) else getattr(component, "__name__", type(component).__name__)
    if given != target:
        raise ValueError(f"spectrans.{name} maps onto specref.transforms.{target}, not {given}")


def _real_gradients(out: Pairing) -> None:
    """The gradient of a real input is the real part of the adjoint (the map restricted to real inputs)."""
    forward, backward = out.forward, out.backward

    def forward_real(inputs, training, masks):
        y, state = forward(inputs, training, masks)
        return y, (state, tuple(not np.iscomplexobj(a) for a in inputs))

    def backward_real(state, dy):
        inner, real = state
        grads, params = backward(inner, dy)
        return tuple(np.real(g) if (g is not None and r) else g for g, r in zip(grads, real, strict=False)), params

    out.forward, out.backward = forward_real, backward_real


def _interior_frames(out: Pairing) -> None:
    """Compare specref's MDCT frames 1 .. m - 1 (spectrans's blocks): crop forward, zero-pad the cotangent."""
    forward, backward = out.forward, out.backward

    def forward_crop(inputs, training, masks):
        y, state = forward(inputs, training, masks)
        return y[..., 1:-1, :], (state, y.shape)

    def backward_pad(state, dy):
        inner, full_shape = state
        dy_full = np.zeros(full_shape, dtype=np.asarray(dy).dtype)
        dy_full[..., 1:-1, :] = dy
        return backward(inner, dy_full)

    out.forward, out.backward = forward_crop, backward_pad
    out.notes.append("spectrans's MDCT blocks are specref's interior frames 1 .. m - 1 (specref zero-pads N "
                     "samples at both ends): those frames are compared")


def pairing(peer, input_shapes, *, component=None, config: Mapping | None = None, dtype=None,
            training: bool = False) -> Pairing:
    """The pairing of a spectrans transform with the specref function it computes.

    Parameters
    ----------
    peer
        A ``spectrans.transforms`` module, or one of its bound methods (the forward transform is called in
        both cases: ``transform``, or ``decompose`` for DWT1D/DWT2D).
    input_shapes : tuple of tuples or None
        The input's shape; None draws :func:`_default_shape`.
    component : str or callable, optional
        The specref function (or its name); must be the one the class maps onto.
    config : mapping, optional
        Keywords of the specref function overriding those read off the module. For ``SpectralPooling``,
        ``axis`` (an int ``dim``) or ``axes`` (a tuple ``dim``) also say along what spectrans pools.
    dtype : str, optional
        The inputs' precision (``"float32"`` or ``"float64"``): some known differences depend on it.
    training : bool
        Unused: the transforms hold no dropout.

    Returns
    -------
    Pairing
        :func:`~specref.compare.functions.function_pairing`'s, with ``peer_call`` the spectrans method,
        ``known`` the finding where spectrans computes something else, and the layouts above.

    Raises
    ------
    ValueError
        If the class has no mapping, ``component`` names another function, or SpectralPooling's ``axes`` are
        not one or two axes with as many output lengths.
    TypeError
        If SpectralPooling's ``axes`` are not a tuple of ints.
    """
    from specref.compare.functions import function_pairing

    module = getattr(peer, "__self__", peer)
    name = type(module).__name__
    if name not in CLASSES:
        raise ValueError(f"no specref mapping for spectrans.{name}; mapped: {sorted(CLASSES)}")
    cfg = {**read_config(module), **dict(config or {})}
    target, dim = CLASSES[name], None
    if name == "SpectralPooling":
        target, cfg, dim = _pool_config(module, cfg)
    if component is not None:
        _check_component(component, target, name)
    shape = tuple(input_shapes[0]) if input_shapes else _default_shape(name, module)
    out = function_pairing(_function(target), {}, (shape,), config=cfg, dtype=dtype)
    out.default_input_shapes, out.input_complex = (shape,), (False,)
    _real_gradients(out)
    if name == "MDCT":
        out.spectral_axes = (-1,)
        _interior_frames(out)
    out.peer_call = _peer_call(module, name, dim)
    precision = dtype or "float64"
    dct_scale = out.bounds((shape,), precision)[0].value / (2 * eps_of(precision)) if name in _DCT_FAMILY else 0.0
    out.known = (_pool_known(shape, cfg["size"], _normalized(dim, len(shape))) if name == "SpectralPooling"
                 else _known(name, module, cfg, shape, precision, dct_scale))
    return out


def _normalized(dim, ndim: int):
    """``dim`` with non-negative axes (int or tuple)."""
    return dim % ndim if isinstance(dim, int) else tuple(d % ndim for d in dim)
