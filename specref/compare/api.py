r"""``specref.compare.compare``: run a peer and specref on the same inputs and cotangent, tensor by tensor.

The steps, in order:

1. the peer's framework (torch, JAX, NumPy) and parameters (a torch module's ``named_parameters()``, else
   ``params=``), as host copies;
2. the pairing: a spectrans module is bound to its specref class with the config read off the module
   (:mod:`specref.compare.spectrans`); anything else to the ``component`` given, its weights moved by
   ``weights=`` (same names, a rename dict, or a :class:`~specref.compare.mapping.WeightMap` such as
   ``"gfnet_half_spectrum"``);
3. the peer's forward (its dropout masks read back by hooks in training mode), then specref's forward with
   those masks;
4. one random cotangent ``dy`` (standard normal, complex where the output is; never all ones, which hides
   sign and permutation errors), the peer's gradients of :math:`\operatorname{Re}\sum\bar{dy}\,y` (torch
   autograd, JAX's ``vjp``, or the NumPy peer's ``vjp=``), specref's hand-written backward;
5. per tensor the normwise error, its worst index, the derived bound with its reason, pass/fail, and where
   a tensor fails the usual cause of its pattern (:mod:`specref.compare.diagnose`).
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Mapping

import numpy as np

from specref.compare.frameworks import (
    FrameworkMismatch,
    describe_peer,
    detect_framework,
    peer_parameters,
    run_peer,
)
from specref.compare.mapping import Pairing, layer_pairing
from specref.compare.result import Comparison, TensorComparison
from specref.testing.checks import error_report
from specref.testing.tolerances import Bound

__all__ = ["compare", "PrecisionWarning", "resolve_component", "input_names"]


class PrecisionWarning(UserWarning):
    """A float32 peer was given float64 inputs: the comparison uses float32 bounds."""


def _precision(arrays) -> str:
    kinds = {np.asarray(a).dtype for a in arrays if np.asarray(a).dtype.kind in "fc"}
    return "float32" if kinds and all(k in (np.float32, np.complex64) for k in kinds) else "float64"


def _lowest(*precisions: str) -> str:
    return "float32" if "float32" in precisions else "float64"


def resolve_component(component):
    """A specref component from a class, an instance, or a name (``"GlobalFilterMixing"``)."""
    if isinstance(component, str):
        import specref.kernels as kernels
        import specref.layers as layers

        for package in (layers, kernels):
            if component in getattr(package, "__all__", ()):
                return getattr(package, component)
        raise ValueError(f"specref has no component named {component!r}; layers: {sorted(layers.__all__)}")
    return component


def _pairing(peer, component, framework, peer_params, input_shapes, *, config, weights, dtype,
             training) -> Pairing:
    from specref.compare import spectrans

    if spectrans.is_spectrans(peer):
        return spectrans.pairing(peer, input_shapes, component=component, config=config, dtype=dtype,
                                 training=training)
    if component is None:
        raise TypeError(f"name the specref component that {describe_peer(peer)} implements, e.g. "
                        "compare(peer, GlobalFilterMixing, ...)")
    target = resolve_component(component)
    if callable(target) and not isinstance(target, type) and not hasattr(target, "forward"):
        from specref.compare.functions import function_pairing  # a specref function (a transform, an op)

        return function_pairing(target, peer_params, input_shapes, config=config, dtype=dtype)
    shape = input_shapes[0] if input_shapes else None
    return layer_pairing(target, peer_params, shape, config=config, weights=weights, dtype=dtype)


def _bounds_override(bound) -> tuple[Bound, Bound]:
    if isinstance(bound, (int, float)):
        b = Bound(float(bound), "given by the caller")
        return b, b
    fwd, grad = bound
    fwd = fwd if isinstance(fwd, Bound) else Bound(float(fwd), "given by the caller")
    grad = grad if isinstance(grad, Bound) else Bound(float(grad), "given by the caller")
    return fwd, grad


def _tensor(name, peer, ours, bound) -> TensorComparison:
    peer, ours = np.asarray(peer), np.asarray(ours)
    if peer.shape != ours.shape:
        return TensorComparison(name, float("inf"), (), None, None, bound,
                                f"shape {peer.shape} differs from specref's {ours.shape}")
    rep = error_report(peer, ours)
    return TensorComparison(name, float(rep.normwise), tuple(rep.index), rep.actual, rep.expected, bound)


def _draw(gen, shape, complex_, dtype):
    v = gen.standard_normal(shape)
    if complex_:
        v = v + 1j * gen.standard_normal(shape)
        return v.astype(np.complex64 if dtype == "float32" else np.complex128)
    return v.astype(np.float32 if dtype == "float32" else np.float64)


def compare(peer, component=None, *, x=None, params: Mapping | None = None, weights=None,
            config: Mapping | None = None, training: bool = False, masks: Mapping | None = None, seed: int = 0,
            framework: str | None = None, vjp=None, bound=None, label: str = "") -> Comparison:
    r"""Compare ``peer`` with the specref ``component`` it implements: output and every gradient.

    Parameters
    ----------
    peer
        A torch module (a spectrans module needs no ``component``), a torch or JAX function, or a NumPy
        function, called as ``peer(*inputs, **params)``.
    component
        The specref class (or its name, or an instance whose config is kept) that ``peer`` implements.
    x : array or tuple of arrays, optional
        The inputs (NumPy arrays). Drawn from ``seed`` when omitted (the component's default shape).
    params : dict, optional
        A function peer's parameters (torch tensors, JAX or NumPy arrays) under its names.
    weights
        How the peer's parameters map onto specref's: None (the same names), a dict of renames, or a
        :class:`~specref.compare.mapping.WeightMap` or its name (``"gfnet_half_spectrum"``).
    config : dict, optional
        Constructor arguments of the specref component (e.g. ``{"fft_norm": "ortho"}``).
    training : bool
        Training mode: a torch peer's dropout masks are read back and injected into specref.
    masks : dict, optional
        Masks to inject into specref (a function peer applies the same ones itself).
    seed : int
        Seed of the drawn inputs and of the cotangent.
    framework : {"torch", "jax", "numpy"}, optional
        Inferred from the peer and its params when omitted.
    vjp : callable, optional
        A NumPy peer's backward, ``vjp(dy, *inputs, **params) -> (input_grads, param_grads)``; without it a
        NumPy peer is compared on its output only.
    bound : float or (forward, gradient), optional
        Bounds to use instead of the derived ones (each a float or a Bound).

    Returns
    -------
    Comparison
        Per tensor (output, ``grad x``, ``grad <param>``) the normwise error, worst index, derived bound and
        verdict; ``.passed``, ``.message()``.
    """
    inputs = None if x is None else (tuple(x) if isinstance(x, (tuple, list)) else (x,))
    inputs = None if inputs is None else tuple(np.asarray(a) for a in inputs)
    framework = framework or detect_framework(peer, params, inputs or ())
    peer_params = peer_parameters(peer, framework, params)
    peer_prec = _precision(peer_params.values()) if peer_params else None
    floats = [a for a in inputs or () if a.dtype.kind in "fc"]  # token ids carry no precision
    in_prec = _precision(floats) if floats else (peer_prec or "float64")
    peer_prec = peer_prec or in_prec
    shapes = None if inputs is None else tuple(a.shape for a in inputs)
    pairing = _pairing(peer, component, framework, peer_params, shapes, config=config, weights=weights,
                       dtype=in_prec, training=training)
    gen = np.random.default_rng([seed, zlib.crc32(pairing.component.encode())])
    if inputs is None:
        inputs = tuple(_draw(gen, s, c, in_prec)
                       for s, c in zip(pairing.default_input_shapes, pairing.input_complex, strict=True))
    notes = list(pairing.notes)
    prec = _lowest(in_prec, peer_prec)
    if peer_prec == "float32" and in_prec == "float64":
        msg = (f"{describe_peer(peer)} holds float32 parameters: float64 inputs are compared against float32 "
               "bounds (specref computes in float64)")
        warnings.warn(msg, PrecisionWarning, stacklevel=2)
        notes.append(msg)
    elif prec == "float32":
        notes.append("float32 inputs: bounds use float32's epsilon")
    shapes = tuple(a.shape for a in inputs)
    names = input_names(len(inputs))
    call = pairing.peer_call or peer
    cfg = dict(pairing.config)
    component_name = pairing.component

    def result(tensors=(), peer_error="", extra_notes=()):
        return Comparison(describe_peer(call), component_name, cfg, prec, tuple(tensors), pairing.known,
                          tuple(notes) + tuple(extra_notes), peer_error, label)

    try:  # the inputs must fit specref's component before the peer's behaviour on them means anything
        pairing.forward(inputs, False, {})
    except (ValueError, TypeError) as exc:
        shapes_text = ", ".join(f"{a.dtype} {a.shape}" for a in inputs)
        raise ValueError(f"the inputs ({shapes_text}) do not fit specref {pairing.component} "
                         f"{_config_text(pairing.config)}: {exc}") from exc
    run_kw = dict(params=params, training=training, dropouts=pairing.dropouts, relu_before=pairing.relu_before,
                  seed=seed)
    try:
        try:
            first = run_peer(framework, call, inputs, None, grads=False, **run_kw)
        except FrameworkMismatch as mismatch:
            framework = mismatch.framework
            notes.append(f"the peer returned {framework} arrays: run as a {framework} function (its autograd "
                         "gives the gradients)")
            first = run_peer(framework, call, inputs, None, grads=False, **run_kw)
    except Exception as exc:  # a peer that raises is reported, not propagated
        return result(peer_error=f"{type(exc).__name__}: {exc}")
    injected = dict(masks or {})
    injected.update(first.masks)
    if first.masks:
        notes.append("the peer's dropout masks were read back and injected: "
                     + ", ".join(f"{k} {m.shape} ({int(m.sum())} of {m.size} kept)" for k, m in first.masks.items()))
    y, state = pairing.forward(inputs, training, injected)
    y = np.asarray(y)
    if first.output.shape != y.shape:
        return result(peer_error=f"output shape {first.output.shape} differs from specref's {y.shape}"
                      + _off_by_one(first.output.shape, y.shape))
    dy = _draw(gen, y.shape, np.iscomplexobj(y), "float32" if y.dtype in (np.float32, np.complex64) else "float64")
    fwd_bound, grad_bound = (_bounds_override(bound) if bound is not None
                             else pairing.bounds(shapes, prec))
    tensors = [_tensor("output", first.output, y, fwd_bound)]
    peer_run = first
    if framework != "numpy" or vjp is not None:
        peer_run = run_peer(framework, call, inputs, dy, vjp=vjp, **run_kw)
        if any(not np.array_equal(peer_run.masks[k], first.masks[k]) for k in first.masks):
            raise RuntimeError("the peer drew other dropout masks on its second run with the same seed")
        if framework == "jax":
            notes.append("JAX's gradients (dL/da - i dL/db for z = a + ib) were conjugated into specref's "
                         "convention")
        input_grads, param_grads = pairing.backward(state, dy)
        for name, g_peer, g_ours in zip(names, peer_run.input_grads, input_grads, strict=False):
            if g_ours is not None:
                tensors.append(_tensor(f"grad {name}", g_peer, g_ours, grad_bound))
        missing = sorted(set(param_grads) - set(peer_run.param_grads))
        extra = sorted(set(peer_run.param_grads) - set(param_grads))
        if missing or extra:
            return result(tensors, peer_error=f"parameter gradients differ in names: specref has {missing} the "
                                              f"peer lacks, the peer has {extra} specref lacks")
        for k in peer_run.param_grads:
            tensors.append(_tensor(f"grad {k}", peer_run.param_grads[k], param_grads[k], grad_bound))
    else:
        notes.append("a NumPy peer without vjp=: the output only")
    out = result(tensors)
    if not out.passed:
        from specref.compare.diagnose import Evidence, explain

        causes = explain(Evidence(pairing=pairing, framework=framework, inputs=inputs, dy=dy, training=training,
                                  masks=injected, peer=peer_run, output=y, precision=prec, params=params,
                                  peer_callable=call, comparison=out))
        if causes:
            tensors = [TensorComparison(t.name, t.error, t.index, t.peer_value, t.specref_value, t.bound,
                                        causes.get(t.name, t.cause)) for t in tensors]
            out = result(tensors)
    return out


def input_names(n: int) -> tuple[str, ...]:
    return ("x",) if n == 1 else ("x", "y") if n == 2 else tuple(f"x{i}" for i in range(n))


def _off_by_one(peer_shape: tuple, shape: tuple) -> str:
    """A hint when two shapes differ by one along one axis (a mode count, or irfft without n= at odd N)."""
    if len(peer_shape) != len(shape):
        return ""
    diff = [i for i, (a, b) in enumerate(zip(peer_shape, shape, strict=True)) if a != b]
    if len(diff) == 1 and abs(peer_shape[diff[0]] - shape[diff[0]]) == 1:
        axis = diff[0] - len(shape)
        return (f"; they differ by one along axis {axis}: an off-by-one in a mode count or a length (e.g. irfft "
                "without n= for an odd length gives N - 1 points)")
    return ""


def _config_text(config: Mapping) -> str:
    return "(" + ", ".join(f"{k}={v!r}" for k, v in config.items()) + ")"
