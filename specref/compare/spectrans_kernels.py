r"""spectrans's kernels (``spectrans.kernels.*``) onto specref's: one method of a kernel against the same method.

The peer is a bound method of a spectrans kernel, ``compare(kernel.compute, x=(x, y))``, or the kernel
itself (a module is called: its ``forward``; any other kernel: its ``compute``). The specref class of the same
name (:data:`CLASSES`) is built with the constructor arguments read off the spectrans object (attributes of
the same names; ``learnable_filter`` from whether ``filter`` is a parameter) and, for a module, its
``state_dict()`` loaded verbatim (the random frequencies, phases and projections too, so a comparison tests
the maps, not the draws). specref runs the method of the peer's name and its ``<method>_vjp``:

- ``compute``, ``gram_matrix``, ``kernel_approximation``, ``evaluate_difference``, ``compute_attention``:
  the same method and its ``<method>_vjp``;
- ``forward`` of a feature map (the random-feature classes): ``forward`` and ``forward_vjp``;
- ``forward(x, y)`` and ``forward(x)`` of the spectral feature kernels (``LearnableSpectralKernel``; spectrans's
  ``FourierKernel`` has none): ``compute`` and ``extract_features`` with their VJPs;
- ``spectral_density``: the same with ``normalization="fourier"`` (the value of spectrans's Gaussian), no VJP
  (the output only).
- ``compute`` of ``TruncatedSVDKernel(use_randomized=True)``: specref's randomized estimate with ``rng=0``
  (Halko et al.), no VJP.

Parameter gradients are compared for the module's trainable parameters (``named_parameters``), under
their spectrans names (specref's are the same); a method that does not use a parameter has a zero gradient
on both sides. ``config`` overrides constructor arguments and passes keyword arguments of the method
(``{"normalization": "probability"}``, ``{"rng": 1}``). The bounds are derived in
:mod:`specref.compare.kernel_bounds` from the sizes of the inputs and arrays each comparison sees.

Where spectrans computes something other than the math, the pairing names the finding (``known``):
``spectrans_laplacian_spectral_density``, ``spectrans_fourier_kernel_no_forward``,
``spectrans_polynomial_attention_bases``, ``spectrans_randomized_svd`` and, for the Hadamard mode,
``spectrans_orf_structured_draws``. The findings about spectrans's draws (``spectrans_orthogonal_rff_norms``,
``spectrans_orf_structured_draws``, ``spectrans_kernel_global_seed``) concern arrays that are loaded
verbatim, so they are notes here and cases of their own in the suite
(:mod:`specref.compare.suites.spectrans_kernels`).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping

import numpy as np

from specref.compare.frameworks import to_host
from specref.compare.kernel_bounds import kernel_bounds, measure
from specref.compare.mapping import Pairing, SameNames

__all__ = ["CLASSES", "METHODS", "pairing"]

# spectrans class name -> the specref class it maps onto (specref.kernels keeps spectrans's names).
CLASSES: dict[str, str] = {
    name: name for name in (
        "CosineKernel", "PolynomialKernel", "GaussianRFFKernel", "LaplacianRFFKernel", "OrthogonalRandomFeatures",
        "RFFAttentionKernel", "FourierKernel", "LearnableSpectralKernel", "PolynomialSpectralKernel",
        "TruncatedSVDKernel",
    )
}

#: the peer methods a pairing can compare (where both the spectrans and the specref class have them)
METHODS: tuple[str, ...] = ("compute", "gram_matrix", "forward", "kernel_approximation", "evaluate_difference",
                            "compute_attention", "spectral_density", "extract_features")

# method keyword arguments specref needs to compute what spectrans computes
_METHOD_DEFAULTS = {"spectral_density": {"normalization": "fourier"}}

_DRAW_NOTES = {
    "GaussianRFFKernel": ("orthogonal", "spectrans drew the orthogonal frequencies with fixed column norms "
                          "(known difference spectrans_orthogonal_rff_norms); they are loaded verbatim, so this "
                          "compares the feature map"),
    "OrthogonalRandomFeatures": (None, "spectrans's structured draws differ from the math (known difference "
                                 "spectrans_orf_structured_draws); they are loaded verbatim, so this compares the "
                                 "feature map"),
    "RFFAttentionKernel": (None, "spectrans scales the projection by 1/sqrt(d) (known difference "
                           "spectrans_orf_structured_draws); it is loaded verbatim, so this compares the feature "
                           "map"),
}


def _kernel_class(name: str):
    import specref.kernels as kernels

    return getattr(kernels, CLASSES[name])


def _is_module(obj) -> bool:
    return any(c.__module__.startswith("torch.nn") for c in type(obj).__mro__)


def _owner_and_method(peer):
    """(the spectrans object, the method's name, what to call on the peer side)."""
    owner = getattr(peer, "__self__", None)
    if owner is not None and inspect.ismethod(peer):
        return owner, peer.__name__, peer
    if _is_module(peer):
        return peer, "forward", peer
    if hasattr(peer, "compute"):
        return peer, "compute", peer.compute
    raise TypeError(f"the peer must be a spectrans kernel or one of its bound methods, got {type(peer).__name__}")


def _read_config(obj, cls) -> dict:
    """Constructor arguments of specref's ``cls`` read off the spectrans object (attributes of the same name)."""
    names = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "seed")]
    values = vars(obj)
    config = {k: values[k] for k in names if isinstance(values.get(k), (bool, int, float, str))}
    if "learnable_filter" in names:  # FourierKernel stores it only as the kind of its filter
        config["learnable_filter"] = "filter" in dict(obj.named_parameters())
    return config


def _specref_method(kernel, name: str, n_inputs: int) -> str:
    """The specref method that computes what the peer's ``name`` computes."""
    if name == "forward" and not hasattr(kernel, "forward_vjp"):  # the spectral feature kernels
        return "compute" if n_inputs >= 2 else "extract_features"
    return name


def _split_config(cls, method, config: Mapping) -> tuple[dict, dict]:
    ctor = set(inspect.signature(cls.__init__).parameters) - {"self"}
    params = inspect.signature(method).parameters
    keywords = {k for k, p in params.items() if p.kind == p.KEYWORD_ONLY}
    unknown = sorted(set(config) - ctor - keywords)
    if unknown:
        raise ValueError(f"config keys {unknown} are neither constructor arguments of {cls.__name__} "
                         f"({sorted(ctor)}) nor keyword arguments of {method.__name__} ({sorted(keywords)})")
    return {k: v for k, v in config.items() if k in ctor}, {k: v for k, v in config.items() if k in keywords}


def _known(name: str, method: str, config: dict) -> str:
    if name == "LaplacianRFFKernel" and method == "spectral_density":
        return "spectrans_laplacian_spectral_density"
    if name == "FourierKernel" and method == "forward":
        return "spectrans_fourier_kernel_no_forward"
    if name == "PolynomialSpectralKernel" and method == "compute_attention":
        return "spectrans_polynomial_attention_bases"
    if name == "TruncatedSVDKernel" and config.get("use_randomized"):
        return "spectrans_randomized_svd"
    if name == "OrthogonalRandomFeatures" and config.get("use_hadamard"):
        return "spectrans_orf_structured_draws"
    return ""


def _default_shapes(kernel, method: str, n_inputs: int) -> tuple:
    rank = getattr(kernel, "rank", 1)
    d = getattr(kernel, "input_dim", max(4, rank))
    if method == "spectral_density":
        return ((7, d),)
    if n_inputs == 1:
        return ((2, max(4, rank), d),)
    return ((2, max(4, rank + 1), d), (2, max(3, rank), d))


def _vjp_parts(result, n_inputs: int) -> tuple[tuple, dict]:
    """A ``*_vjp`` result (an array, ``(dx, ..., grads)`` or ``(dx, ...)``) as (input grads, param grads)."""
    if not isinstance(result, tuple):
        return (result,), {}
    if result and isinstance(result[-1], Mapping):
        return tuple(result[:-1]), dict(result[-1])
    return tuple(result), {}


def pairing(peer, input_shapes, *, component=None, config: Mapping | None = None, dtype=None,
            training: bool = False) -> Pairing:
    """The pairing of a spectrans kernel's method with the same method of its specref class.

    Parameters
    ----------
    peer
        A spectrans kernel (``spectrans.kernels.*``) or a bound method of one (``kernel.compute``).
    input_shapes : tuple of shapes or None
        The comparison's input shapes (None: the defaults, e.g. ``((2, 4, d), (2, 3, d))`` for ``compute``).
    component : optional
        The specref class (or its name); it must be the one of the spectrans class's name.
    config : dict, optional
        Constructor arguments to override and keyword arguments of the method.
    dtype : {"float32", "float64"}, optional
        The precision the loaded arrays are cast to (the comparison's inputs').
    training : bool
        Unused: the kernels have no training mode.

    Raises
    ------
    ValueError
        For a spectrans class without a specref mapping, a method that cannot be compared (a tuple or bool
        output: ``spectral_decomposition``, ``is_positive_definite``), another ``component``, an unknown
        config key, or ``RFFAttentionKernel(redraw=True)`` (it draws inside ``forward`` from torch's global
        generator: there is no array to load).
    TypeError
        For a peer that is neither a kernel nor a bound method of one.
    """
    owner, name, call = _owner_and_method(peer)
    cls_name = type(owner).__name__
    if cls_name not in CLASSES:
        raise ValueError(f"no specref mapping for spectrans.{cls_name}; mapped: {sorted(CLASSES)}")
    cls = _kernel_class(cls_name)
    if component is not None:
        from specref.compare.api import resolve_component

        target = resolve_component(component)
        target_name = target.__name__ if isinstance(target, type) else type(target).__name__
        if target_name != cls.__name__:
            raise ValueError(f"spectrans.{cls_name} maps onto specref {cls.__name__}, not {target_name}")
    if name not in METHODS or not hasattr(cls, name):
        supported = [m for m in METHODS if hasattr(owner, m) and hasattr(cls, m)]
        raise ValueError(f"spectrans.{cls_name}.{name} cannot be compared; compare one of {supported}")
    if getattr(owner, "redraw", False):
        raise ValueError("spectrans RFFAttentionKernel(redraw=True) draws its projection inside forward from "
                         "torch's global generator, so there is no array to load; compare redraw=False")
    state = {k: to_host(v) for k, v in owner.state_dict().items()} if _is_module(owner) else {}
    trainable = [k for k, _ in owner.named_parameters()] if _is_module(owner) else []
    return _build(owner, cls, name, call, state, trainable, input_shapes, dict(config or {}), dtype)


def _build(owner, cls, name, call, state, trainable, input_shapes, overrides, dtype) -> Pairing:
    n_inputs = len(input_shapes) if input_shapes else (2 if name in ("compute", "kernel_approximation",
                                                                    "compute_attention") else 1)
    method_name = _specref_method(cls, name, n_inputs)
    ctor, method_kw = _split_config(cls, getattr(cls, method_name), overrides)
    config = {**_read_config(owner, cls), **ctor}
    method_kw = {**_METHOD_DEFAULTS.get(name, {}), **method_kw}
    kernel = cls.from_state_dict(state, dtype=dtype, **config) if state else cls(**config)
    if method_name == "compute" and getattr(kernel, "use_randomized", False):
        method_kw.setdefault("rng", 0)
    method = getattr(kernel, method_name)
    vjp = None if method_name == "spectral_density" or getattr(kernel, "use_randomized", False) else \
        getattr(kernel, method_name + "_vjp")
    sizes: dict = {}

    def forward(inputs, training, masks):
        y = method(*inputs, **method_kw)
        sizes.clear()
        sizes.update(measure(kernel, method_name, inputs, y))
        return y, (tuple(inputs), y)

    def backward(saved, dy):
        inputs, y = saved
        if vjp is None:
            input_grads, grads = (None,) * len(inputs), {}
        else:
            input_grads, grads = _vjp_parts(vjp(dy, *inputs, y), len(inputs))
        return input_grads, {k: np.asarray(grads[k]) if k in grads else np.zeros_like(np.asarray(state[k]))
                             for k in trainable}

    def bounds(shapes, precision):
        if not sizes:
            raise RuntimeError(f"the bounds of {cls.__name__}.{method_name} depend on the sizes of the inputs: "
                               "run the pairing's forward first")
        return kernel_bounds(kernel, method_name, sizes, precision)

    def rebuild(new_params):
        return _build(owner, cls, name, call, {**state, **dict(new_params)}, trainable, input_shapes, overrides,
                      dtype)

    notes = []
    if method_name != name:
        notes.append(f"spectrans {name} against specref {method_name} and {method_name}_vjp")
    if vjp is None:
        notes.append(f"specref {cls.__name__}.{method_name} has no VJP here: the output only")
    if method_kw:
        notes.append(f"specref {method_name} called with {method_kw}")
    flag, note = _DRAW_NOTES.get(cls.__name__, (False, ""))
    if note and (flag is None or config.get(flag)) and not config.get("use_hadamard"):
        notes.append(note)
    shapes = tuple(input_shapes) if input_shapes else _default_shapes(kernel, name, n_inputs)
    return Pairing(cls.__name__, {**config, **method_kw}, forward, backward, bounds, weight_map=SameNames(),
                   peer_params=dict(state), peer_call=call, known=_known(cls.__name__, name, config), notes=notes,
                   default_input_shapes=shapes, input_complex=(False,) * len(shapes), rebuild=rebuild,
                   layer=kernel)
